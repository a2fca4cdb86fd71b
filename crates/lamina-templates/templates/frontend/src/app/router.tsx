import type { ComponentType } from "react";

import { HomeRoute } from "@/app/routes/home";
import { NotFoundRoute } from "@/app/routes/not-found";

// A path → page table, enough for one page. Swap in a router library when the app grows
// (the OIDC flow will add /auth/callback). CloudFront serves index.html for unknown paths.
const routes: Record<string, ComponentType> = {
  "/": HomeRoute,
};

export function AppRouter() {
  const Page = routes[window.location.pathname] ?? NotFoundRoute;
  return <Page />;
}
