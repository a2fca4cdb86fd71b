import { useAuth } from "react-oidc-context";

import { Page } from "@/components/ui/page";
import { displayName } from "@/features/auth/components/user-menu";
import { HealthStatus } from "@/features/health/components/health-status";

export function HomeRoute() {
  const auth = useAuth();
  return (
    <Page title="It works">
      <p className="text-slate-600">
        {auth.isAuthenticated && auth.user
          ? `Welcome, ${displayName(auth.user.profile)}.`
          : "Sign in with a test user of lamina.toml (lamina dev prints them)."}{" "}
        Edit <code className="font-mono text-sm">src/app/routes/home.tsx</code>; add features under{" "}
        <code className="font-mono text-sm">src/features/</code>.
      </p>
      <HealthStatus />
    </Page>
  );
}
