import createClient from "openapi-fetch";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { authMiddleware, unwrap } from "@/lib/api-client";
import { ApiError } from "@/lib/problem";
import { json } from "@/testing/render";

// A path of the shape openapi-typescript writes, so the middleware runs inside a real client.
type TestPaths = {
  "/ride/rides": {
    post: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never };
      requestBody: { content: { "application/json": { passengers: number } } };
      responses: {
        201: { headers: Record<string, unknown>; content: { "application/json": { id: string } } };
      };
    };
  };
};

function setup(tokens: string[], renewed: string | null) {
  const fetchMock = vi.fn<(request: Request) => Promise<Response>>();
  const auth = {
    accessToken: vi.fn(async () => tokens.shift() ?? null),
    renew: vi.fn(async () => (renewed === null ? null : { access_token: renewed })),
    signInAgain: vi.fn(async () => {}),
  };
  const client = createClient<TestPaths>({
    baseUrl: "http://api.test",
    fetch: (request) => fetchMock(request),
  });
  client.use(authMiddleware(auth, () => fetchMock as unknown as typeof fetch));
  const post = () => client.POST("/ride/rides", { body: { passengers: 2 } });
  return { fetchMock, auth, post };
}

describe("the API client's auth middleware", () => {
  beforeEach(() => {
    vi.restoreAllMocks();
  });

  it("sends the access token as a bearer token", async () => {
    const { fetchMock, post } = setup(["t1"], null);
    fetchMock.mockResolvedValueOnce(json(201, { id: "r1" }));
    const data = await unwrap(post());
    expect(data).toEqual({ id: "r1" });
    const sent = fetchMock.mock.calls[0]![0];
    expect(sent.headers.get("Authorization")).toBe("Bearer t1");
    expect(sent.url).toBe("http://api.test/ride/rides");
  });

  it("sends no Authorization header when nobody is signed in", async () => {
    const { fetchMock, post } = setup([], null);
    fetchMock.mockResolvedValueOnce(json(201, { id: "r1" }));
    await post();
    expect(fetchMock.mock.calls[0]![0].headers.has("Authorization")).toBe(false);
  });

  it("renews once on a 401 and replays the request, body included, with the new token", async () => {
    const { fetchMock, auth, post } = setup(["old"], "new");
    fetchMock
      .mockResolvedValueOnce(json(401, { message: "Unauthorized" }))
      .mockResolvedValueOnce(json(201, { id: "r2" }));
    const data = await unwrap(post());
    expect(data).toEqual({ id: "r2" });
    expect(auth.renew).toHaveBeenCalledTimes(1);
    expect(auth.signInAgain).not.toHaveBeenCalled();
    const replay = fetchMock.mock.calls[1]![0];
    expect(replay.headers.get("Authorization")).toBe("Bearer new");
    expect(await replay.json()).toEqual({ passengers: 2 });
  });

  it("sends the user to sign in when the renewal fails, and reports the 401", async () => {
    const { fetchMock, auth, post } = setup(["old"], null);
    fetchMock.mockResolvedValueOnce(json(401, { message: "Unauthorized" }));
    const failure = await unwrap(post()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(401);
    expect(auth.signInAgain).toHaveBeenCalledTimes(1);
  });

  it("sends the user to sign in when even the renewed token is refused", async () => {
    const { fetchMock, auth, post } = setup(["old"], "new");
    fetchMock
      .mockResolvedValueOnce(json(401, { message: "Unauthorized" }))
      .mockResolvedValueOnce(json(401, { message: "Unauthorized" }));
    await unwrap(post()).catch(() => undefined);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(auth.signInAgain).toHaveBeenCalledTimes(1);
  });

  it("turns problem details into an ApiError and leaves a 403 alone", async () => {
    const { fetchMock, auth, post } = setup(["t"], "new");
    fetchMock.mockResolvedValueOnce(
      json(403, { type: "about:blank", title: "Forbidden", status: 403, detail: "Riders only." }, "application/problem+json"),
    );
    const failure = (await unwrap(post()).catch((e: unknown) => e)) as ApiError;
    expect(failure.problem.detail).toBe("Riders only.");
    expect(auth.renew).not.toHaveBeenCalled();
  });
});
