import { Page } from "@/components/ui/page";
import { RequireAuth } from "@/features/auth/components/require-auth";
import { MeCard } from "@/features/user/components/me-card";

export function MeRoute() {
  return (
    <Page title="Me">
      <RequireAuth>
        <MeCard />
      </RequireAuth>
    </Page>
  );
}
