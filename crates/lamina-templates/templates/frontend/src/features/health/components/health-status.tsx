import { env } from "@/config/env";
import { useHealth } from "@/features/health/api/get-health";
import { ApiError } from "@/lib/api-client";
import { Button } from "@/components/ui/button";

function describe(error: Error): string {
  if (error instanceof ApiError) return `${error.status} ${error.problem.title}: ${error.message}`;
  if (error instanceof TypeError) return `Cannot reach ${env.API_URL} (${error.message})`;
  return error.message;
}

export function HealthStatus() {
  const { state, refresh } = useHealth();

  return (
    <section className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
      <div className="flex items-center justify-between gap-4">
        <div>
          <h2 className="text-sm font-semibold">API health</h2>
          <p className="font-mono text-xs text-slate-500">GET {env.API_URL}/user/health</p>
        </div>
        <Button variant="secondary" onClick={refresh} disabled={state.kind === "loading"}>
          Check again
        </Button>
      </div>

      <div className="mt-4 flex items-center gap-2 text-sm" role="status" aria-live="polite">
        {state.kind === "loading" && (
          <>
            <span className="size-2.5 animate-pulse rounded-full bg-slate-400" />
            <span>Checking…</span>
          </>
        )}
        {state.kind === "ok" && (
          <>
            <span className="size-2.5 rounded-full bg-emerald-500" />
            <span>
              Status: <strong>{state.health.status}</strong>
            </span>
            {state.health.service !== undefined && state.health.stage !== undefined && (
              <span className="font-mono text-xs text-slate-500">
                {state.health.service}@{state.health.stage}
              </span>
            )}
            <span className="text-slate-400">at {state.checkedAt.toLocaleTimeString()}</span>
          </>
        )}
        {state.kind === "error" && (
          <>
            <span className="size-2.5 rounded-full bg-rose-500" />
            <span className="text-rose-700">{describe(state.error)}</span>
          </>
        )}
      </div>
    </section>
  );
}
