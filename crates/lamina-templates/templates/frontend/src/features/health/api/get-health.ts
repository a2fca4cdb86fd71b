import { useCallback, useEffect, useState } from "react";
import { z } from "zod";

import { api } from "@/lib/api-client";

// GET /user/health: public (listed in the domain's `public` routes), so it works before sign-in.

// Matches the domain template's `Health` model; extra fields are kept.
export const HealthSchema = z.looseObject({
  status: z.string(),
  service: z.string().optional(),
  stage: z.string().optional(),
});

export type Health = z.infer<typeof HealthSchema>;

export async function getHealth({ signal }: { signal?: AbortSignal } = {}): Promise<Health> {
  const body = await api.get("/user/health", signal === undefined ? {} : { signal });
  return HealthSchema.parse(body);
}

export type HealthState =
  | { kind: "loading" }
  | { kind: "ok"; health: Health; checkedAt: Date }
  | { kind: "error"; error: Error; checkedAt: Date };

export function useHealth(): { state: HealthState; refresh: () => void } {
  const [state, setState] = useState<HealthState>({ kind: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setState({ kind: "loading" });
    getHealth({ signal: controller.signal }).then(
      (health) => setState({ kind: "ok", health, checkedAt: new Date() }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          kind: "error",
          error: error instanceof Error ? error : new Error(String(error)),
          checkedAt: new Date(),
        });
      },
    );
    return () => controller.abort();
  }, [attempt]);

  const refresh = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, refresh };
}
