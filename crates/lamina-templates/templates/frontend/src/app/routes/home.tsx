import { Layout } from "@/components/layout";
import { SignInButton } from "@/features/auth/components/sign-in-button";
import { HealthStatus } from "@/features/health/components/health-status";

export function HomeRoute() {
  return (
    <Layout actions={<SignInButton />}>
      <div className="space-y-6">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">It works</h1>
          <p className="mt-1 text-slate-600">
            Edit <code className="font-mono text-sm">src/app/routes/home.tsx</code>; add features under{" "}
            <code className="font-mono text-sm">src/features/</code>.
          </p>
        </div>
        <HealthStatus />
      </div>
    </Layout>
  );
}
