import { authConfigured } from "@/config/env";
import { Button } from "@/components/ui/button";

// Placeholder: the OIDC authorization-code + PKCE flow against Cognito (and the local
// Cognito of `lamina dev`) is not implemented yet, so the button never pretends to sign in.

export function SignInButton() {
  const note = authConfigured
    ? "Sign-in (OIDC code + PKCE) is not implemented in this template yet."
    : "Sign-in is not configured: set VITE_COGNITO_AUTHORITY and VITE_COGNITO_CLIENT_ID.";

  return (
    <div className="flex flex-col items-end gap-1">
      <Button disabled title={note}>
        Sign in
      </Button>
      <p className="max-w-64 text-right text-xs text-slate-500">{note}</p>
    </div>
  );
}
