import { screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { MeCard } from "@/features/user/components/me-card";
import { json, renderPage } from "@/testing/render";

describe("MeCard", () => {
  it("shows who the API says the caller is", async () => {
    const fetchMock = vi.fn(async (_: Request) => json(200, { username: "alice", email: null, groups: ["rider"] }));
    vi.stubGlobal("fetch", fetchMock);
    renderPage(<MeCard />);
    expect(screen.getByRole("status").textContent).toContain("Loading your profile");
    expect(await screen.findByText("alice")).toBeTruthy();
    expect(screen.getByText("rider")).toBeTruthy();
    expect(screen.getByText("not in the access token")).toBeTruthy();
    expect(fetchMock.mock.calls[0]![0].url).toBe("http://api.test/user/me");
  });

  it("shows the problem details of a failure, with a retry", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        json(500, { type: "about:blank", title: "Internal Server Error", status: 500, detail: "An unexpected error occurred." }, "application/problem+json"),
      ),
    );
    renderPage(<MeCard />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Internal Server Error");
    expect(alert.textContent).toContain("An unexpected error occurred.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });
});
