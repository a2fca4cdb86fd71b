import { useEffect } from "react";
import { useAuth } from "react-oidc-context";
import { Link, useNavigate } from "react-router";

import { Button } from "@/components/ui/button";
import { ProblemAlert } from "@/components/ui/problem-alert";
import { Loading } from "@/components/ui/spinner";
import { safeReturnTo, type SignInState } from "@/lib/auth";

// Where Cognito sends the browser back with `?code=…&state=…`. react-oidc-context exchanges the
// code (with the PKCE verifier) when the app starts; this page waits for that, then goes where
// the sign-in started.

export function AuthCallback() {
  const auth = useAuth();
  const navigate = useNavigate();
  const state = auth.user?.state as Partial<SignInState> | undefined;
  const target = safeReturnTo(state?.returnTo);

  useEffect(() => {
    if (auth.isAuthenticated) void navigate(target, { replace: true });
  }, [auth.isAuthenticated, navigate, target]);

  if (auth.error !== undefined) {
    return (
      <div className="space-y-3">
        <ProblemAlert error={auth.error} title="Sign-in failed" />
        <div className="flex gap-3">
          <Button onClick={() => void auth.signinRedirect({ state: { returnTo: "/" } satisfies SignInState })}>
            Try again
          </Button>
          <Link to="/" className="self-center text-sm text-sky-700 underline">
            Home
          </Link>
        </div>
      </div>
    );
  }
  if (!auth.isLoading && !auth.isAuthenticated) {
    return (
      <p className="text-slate-600">
        No sign-in in progress.{" "}
        <Link to="/" className="text-sky-700 underline">
          Home
        </Link>
      </p>
    );
  }
  return <Loading label="Signing you in…" />;
}
