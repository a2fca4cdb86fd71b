import { useAuth } from "react-oidc-context";
import { Link } from "react-router";

import { Page } from "@/components/ui/page";
import { displayName } from "@/features/auth/components/user-menu";
import { HealthStatus } from "@/features/health/components/health-status";

export function HomeRoute() {
  const auth = useAuth();
  return (
    <Page title="Rides">
      <p className="text-slate-600">
        {auth.isAuthenticated && auth.user ? (
          <>Welcome back, {displayName(auth.user.profile)}. </>
        ) : (
          <>Sign in with a test user of lamina.toml (`lamina dev` prints them). </>
        )}
        <Link to="/rides" className="text-sky-700 underline">
          Request a ride
        </Link>
        , pay for it, or see{" "}
        <Link to="/me" className="text-sky-700 underline">
          who you are
        </Link>
        .
      </p>
      <HealthStatus />
    </Page>
  );
}
