import { Button } from "@/components/ui/button";
import { ProblemAlert } from "@/components/ui/problem-alert";
import { Loading } from "@/components/ui/spinner";
import { env } from "@/config/env";
import { HEALTH_PATH, useHealth } from "@/features/health/api/get-health";

export function HealthStatus() {
  const health = useHealth();

  return (
    <section aria-labelledby="health-heading" className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
      <div className="flex items-center justify-between gap-4">
        <div>
          <h2 id="health-heading" className="text-sm font-semibold">
            API health
          </h2>
          <p className="font-mono text-xs text-slate-500">
            GET {env.API_URL}
            {HEALTH_PATH}
          </p>
        </div>
        <Button variant="secondary" onClick={() => void health.refetch()} disabled={health.isFetching}>
          Check again
        </Button>
      </div>
      <div className="mt-4">
        {health.isPending && <Loading label="Checking…" />}
        {health.isError && <ProblemAlert error={health.error} />}
        {health.isSuccess && (
          <p role="status" className="flex items-center gap-2 text-sm">
            <span aria-hidden="true" className="size-2.5 rounded-full bg-emerald-500" />
            Status: <strong>{health.data.status}</strong>
            {health.data.service !== undefined && (
              <span className="font-mono text-xs text-slate-500">
                {health.data.service}@{health.data.stage}
              </span>
            )}
          </p>
        )}
      </div>
    </section>
  );
}
