import { describe, expect, it } from "vitest";

import { parseEnv } from "@/config/env";

const complete = {
  VITE_API_URL: "http://127.0.0.1:3000/",
  VITE_COGNITO_AUTHORITY: "http://127.0.0.1:3001/local_abc",
  VITE_COGNITO_CLIENT_ID: "client",
  VITE_COGNITO_DOMAIN: "http://127.0.0.1:3001",
};

describe("parseEnv", () => {
  it("accepts what lamina writes and fills in the redirect URIs from the origin", () => {
    const result = parseEnv(complete, "http://127.0.0.1:5173");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.env.API_URL).toBe("http://127.0.0.1:3000");
    expect(result.env.REDIRECT_URI).toBe("http://127.0.0.1:5173/auth/callback");
    expect(result.env.LOGOUT_URI).toBe("http://127.0.0.1:5173/");
    expect(result.env.COGNITO_SCOPES).toBe("openid email profile");
  });

  it("names every missing value", () => {
    const result = parseEnv({ VITE_API_URL: "http://x" }, "http://o");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join("\n");
    expect(text).toContain("VITE_COGNITO_AUTHORITY is missing");
    expect(text).toContain("VITE_COGNITO_CLIENT_ID is missing");
    expect(text).toContain("VITE_COGNITO_DOMAIN is missing");
    expect(text).not.toContain("VITE_API_URL");
  });

  it("refuses a value that is not a URL, and scopes without openid", () => {
    const result = parseEnv(
      { ...complete, VITE_COGNITO_AUTHORITY: "cognito", VITE_COGNITO_SCOPES: "email" },
      "http://o",
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(2);
    expect(result.problems[0]).toContain('VITE_COGNITO_AUTHORITY is not an http(s) URL: "cognito"');
    expect(result.problems[1]).toContain("openid");
  });

  it("takes an empty API URL as this origin, but not a missing one", () => {
    expect(parseEnv({ ...complete, VITE_API_URL: "" }, "http://o").ok).toBe(true);
    const { VITE_API_URL: _, ...rest } = complete;
    const result = parseEnv(rest, "http://o");
    expect(result.ok).toBe(false);
  });

  it("takes redirect URIs from the overrides", () => {
    const result = parseEnv(
      { ...complete, VITE_COGNITO_REDIRECT_URI: "https://app.example.com/auth/callback" },
      "http://o",
    );
    expect(result.ok && result.env.REDIRECT_URI).toBe("https://app.example.com/auth/callback");
  });
});
