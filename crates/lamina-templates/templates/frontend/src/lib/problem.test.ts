import { describe, expect, it } from "vitest";

import { issueField, toProblem } from "@/lib/problem";

describe("toProblem", () => {
  it("keeps problem details as the domains send them", () => {
    const problem = toProblem(422, "Unprocessable Content", {
      type: "about:blank",
      title: "Unprocessable Content",
      status: 422,
      detail: "The request is not valid.",
      errors: [{ loc: ["body", "pickup", "lat"], msg: "Input should be less than or equal to 90" }],
    });
    expect(problem.detail).toBe("The request is not valid.");
    expect(problem.errors?.[0]?.msg).toBe("Input should be less than or equal to 90");
    expect(issueField(problem.errors![0]!)).toBe("pickup.lat");
  });

  it("maps API Gateway's message and FastAPI's detail list", () => {
    expect(toProblem(401, "Unauthorized", { message: "Unauthorized" })).toMatchObject({
      status: 401,
      title: "Unauthorized",
      detail: "Unauthorized",
    });
    const fastapi = toProblem(422, "", { detail: [{ loc: ["query", "limit"], msg: "too big" }] });
    expect(fastapi.title).toBe("HTTP 422");
    expect(fastapi.errors).toHaveLength(1);
  });

  it("survives a body that is not JSON", () => {
    expect(toProblem(502, "Bad Gateway", "upstream died")).toMatchObject({
      title: "Bad Gateway",
      detail: "upstream died",
    });
    expect(toProblem(500, "", undefined)).toMatchObject({ title: "HTTP 500", status: 500 });
  });
});
