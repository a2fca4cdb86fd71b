// Errors from the API, read as RFC 9457 problem details (application/problem+json), which every
// domain returns through `shared.errors`. FastAPI's own `{"detail": ...}` and API Gateway's
// `{"message": ...}` (401, 403, 404, 429, 5xx it answers itself) are mapped onto the same shape.

export type ValidationIssue = { loc: (string | number)[]; msg: string; type?: string };

export type ProblemDetails = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  // 422s list what was wrong, field by field.
  errors?: ValidationIssue[];
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

/** A request that got no answer at all: offline, DNS, or refused by CORS. */
export function unreachable(base: string, error: unknown): ApiError {
  return new ApiError({
    type: "about:blank",
    title: "Cannot reach the API",
    status: 0,
    detail: `${base} did not answer (${error instanceof Error ? error.message : String(error)}).`,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isIssue(value: unknown): value is ValidationIssue {
  return isRecord(value) && Array.isArray(value.loc) && typeof value.msg === "string";
}

/** The problem a failed response describes; `body` is its parsed JSON (or text, or nothing). */
export function toProblem(status: number, statusText: string, body: unknown): ProblemDetails {
  const fallback: ProblemDetails = {
    type: "about:blank",
    title: statusText || `HTTP ${status}`,
    status,
  };
  if (!isRecord(body)) {
    return typeof body === "string" && body.trim() !== "" ? { ...fallback, detail: body.trim() } : fallback;
  }
  const problem: ProblemDetails = {
    ...body,
    type: typeof body.type === "string" ? body.type : fallback.type,
    title: typeof body.title === "string" ? body.title : fallback.title,
    status: typeof body.status === "number" ? body.status : status,
  };
  delete problem.detail;
  delete problem.errors;
  delete problem.message;
  if (typeof body.detail === "string") {
    problem.detail = body.detail;
  } else if (Array.isArray(body.detail) && body.detail.every(isIssue)) {
    // FastAPI's default 422: the issues are the detail.
    problem.detail = "The request is not valid.";
    problem.errors = body.detail;
  } else if (typeof body.message === "string") {
    problem.detail = body.message;
  }
  if (Array.isArray(body.errors) && body.errors.every(isIssue)) problem.errors = body.errors;
  return problem;
}

/** A field's name for people, from a validation issue's location (`["body", "pickup", "lat"]`). */
export function issueField(issue: ValidationIssue): string {
  const parts = issue.loc.filter((part, i) => !(i === 0 && ["body", "query", "path", "header"].includes(String(part))));
  return parts.join(".");
}
