import { useEffect, useRef, type ReactNode } from "react";
import { useAuth } from "react-oidc-context";
import { useLocation } from "react-router";

import { Button } from "@/components/ui/button";
import { ProblemAlert } from "@/components/ui/problem-alert";
import { Loading } from "@/components/ui/spinner";
import type { SignInState } from "@/lib/auth";

// Wraps a page that needs a signed-in user. Without one, the browser goes to the hosted UI and
// comes back to this very page (path, query and hash). With the hosted UI's session still alive
// (a reload: tokens live in memory only) that trip asks for nothing.

export function RequireAuth({ children }: { children: ReactNode }) {
  const auth = useAuth();
  const location = useLocation();
  const returnTo = `${location.pathname}${location.search}${location.hash}`;
  // One redirect: StrictMode runs effects twice in development, and a second redirect would
  // abort the first mid-flight.
  const redirecting = useRef(false);
  const mustSignIn =
    !auth.isLoading && !auth.isAuthenticated && auth.activeNavigator === undefined && auth.error === undefined;

  useEffect(() => {
    if (!mustSignIn || redirecting.current) return;
    redirecting.current = true;
    const state: SignInState = { returnTo };
    auth.signinRedirect({ state }).catch(() => {
      // Shown through `auth.error` by react-oidc-context.
      redirecting.current = false;
    });
    // `auth` is a new object on every render; the redirect depends only on these two.
  }, [mustSignIn, returnTo]);

  if (auth.isAuthenticated) return <>{children}</>;
  if (auth.error !== undefined) {
    const state: SignInState = { returnTo };
    return (
      <div className="space-y-3">
        <ProblemAlert error={auth.error} title="Sign-in is not available" />
        <Button onClick={() => void auth.signinRedirect({ state })}>Sign in again</Button>
      </div>
    );
  }
  return <Loading label="Signing you in…" />;
}
