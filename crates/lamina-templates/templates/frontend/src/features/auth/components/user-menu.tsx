import { useState } from "react";
import { useAuth } from "react-oidc-context";
import { useLocation } from "react-router";

import { Button } from "@/components/ui/button";
import { signOut, type SignInState } from "@/lib/auth";

// The header's sign-in state: a button to sign in, or who is signed in and a button to sign out.

export function displayName(profile: Record<string, unknown>): string {
  for (const claim of ["cognito:username", "preferred_username", "email", "sub"]) {
    const value = profile[claim];
    if (typeof value === "string" && value !== "") return value;
  }
  return "you";
}

export function UserMenu() {
  const auth = useAuth();
  const location = useLocation();
  const [leaving, setLeaving] = useState(false);

  if (auth.isLoading) return <span className="text-sm text-slate-500">Checking sign-in…</span>;
  if (!auth.isAuthenticated || auth.user === null || auth.user === undefined) {
    const state: SignInState = { returnTo: `${location.pathname}${location.search}${location.hash}` };
    return <Button onClick={() => void auth.signinRedirect({ state })}>Sign in</Button>;
  }
  return (
    <div className="flex items-center gap-3">
      <span className="text-sm text-slate-600">
        Signed in as <strong className="font-semibold text-slate-900">{displayName(auth.user.profile)}</strong>
      </span>
      <Button
        variant="secondary"
        disabled={leaving}
        onClick={() => {
          setLeaving(true);
          void signOut();
        }}
      >
        {leaving ? "Signing out…" : "Sign out"}
      </Button>
    </div>
  );
}
