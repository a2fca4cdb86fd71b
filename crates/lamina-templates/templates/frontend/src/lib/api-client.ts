import { env } from "@/config/env";
import { getAccessToken } from "@/lib/auth-token";

// The one HTTP client of the app: a thin fetch wrapper that prefixes VITE_API_URL, sends
// the bearer token when there is one, and turns error responses into `ApiError`.
// Errors are read as RFC 9457 problem details (application/problem+json); FastAPI's
// `{"detail": ...}` and API Gateway's `{"message": ...}` bodies are mapped onto the same shape.

export type ProblemDetails = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
};

export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDetails;

  constructor(problem: ProblemDetails) {
    super(problem.detail ?? problem.title);
    this.name = "ApiError";
    this.status = problem.status;
    this.problem = problem;
  }
}

export type RequestOptions = Omit<RequestInit, "body"> & {
  // Serialized as JSON when given.
  json?: unknown;
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function detailText(detail: unknown): string | undefined {
  if (typeof detail === "string") return detail;
  if (detail === undefined || detail === null) return undefined;
  // FastAPI validation errors: a list of {loc, msg, type}.
  return JSON.stringify(detail);
}

async function readProblem(response: Response): Promise<ProblemDetails> {
  const fallback: ProblemDetails = {
    type: "about:blank",
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
  };
  const contentType = response.headers.get("content-type") ?? "";
  if (!contentType.includes("json")) return fallback;

  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return fallback;
  }
  if (!isRecord(body)) return fallback;

  const detail = detailText(body.detail) ?? detailText(body.message);
  return {
    ...body,
    type: typeof body.type === "string" ? body.type : fallback.type,
    title: typeof body.title === "string" ? body.title : fallback.title,
    status: typeof body.status === "number" ? body.status : response.status,
    ...(detail === undefined ? {} : { detail }),
  };
}

export async function request<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  const { json, headers: initHeaders, ...init } = options;
  const headers = new Headers(initHeaders);
  headers.set("Accept", "application/json, application/problem+json");

  const token = getAccessToken();
  if (token !== null && !headers.has("Authorization")) {
    headers.set("Authorization", `Bearer ${token}`);
  }

  let body: BodyInit | undefined;
  if (json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(json);
  }

  const url = `${env.API_URL}${path.startsWith("/") ? path : `/${path}`}`;
  const response = await fetch(url, { ...init, headers, ...(body === undefined ? {} : { body }) });

  if (!response.ok) {
    throw new ApiError(await readProblem(response));
  }
  if (response.status === 204 || response.headers.get("content-length") === "0") {
    return undefined as T;
  }
  const contentType = response.headers.get("content-type") ?? "";
  return (contentType.includes("json") ? await response.json() : await response.text()) as T;
}

export const api = {
  get: <T = unknown>(path: string, options?: RequestOptions) =>
    request<T>(path, { ...options, method: "GET" }),
  post: <T = unknown>(path: string, json?: unknown, options?: RequestOptions) =>
    request<T>(path, { ...options, method: "POST", json }),
  put: <T = unknown>(path: string, json?: unknown, options?: RequestOptions) =>
    request<T>(path, { ...options, method: "PUT", json }),
  patch: <T = unknown>(path: string, json?: unknown, options?: RequestOptions) =>
    request<T>(path, { ...options, method: "PATCH", json }),
  delete: <T = unknown>(path: string, options?: RequestOptions) =>
    request<T>(path, { ...options, method: "DELETE" }),
};
