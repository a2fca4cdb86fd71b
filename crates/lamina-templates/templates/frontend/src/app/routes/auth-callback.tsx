import { Page } from "@/components/ui/page";
import { AuthCallback } from "@/features/auth/components/auth-callback";

export function AuthCallbackRoute() {
  return (
    <Page title="Signing in">
      <AuthCallback />
    </Page>
  );
}
