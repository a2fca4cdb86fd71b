import type { RouteObject } from "react-router";

import { RouteError } from "@/components/errors/route-error";
import { AppLayout, type NavLinkItem } from "@/components/layout";

// Every page of the app, and the links of the header. A page is loaded when first visited:
// `lazy` keeps it out of the first download. Pages that need a signed-in user wrap themselves in
// <RequireAuth> (see features/auth).

const nav: NavLinkItem[] = [
  { to: "/", label: "Home" },
  { to: "/rides", label: "Rides" },
  { to: "/me", label: "Me" },
];

export const routes: RouteObject[] = [
  {
    element: <AppLayout nav={nav} />,
    errorElement: <RouteError />,
    children: [
      { path: "/", lazy: () => import("./home").then((m) => ({ Component: m.HomeRoute })) },
      { path: "/me", lazy: () => import("./me").then((m) => ({ Component: m.MeRoute })) },
      { path: "/rides", lazy: () => import("./rides").then((m) => ({ Component: m.RidesRoute })) },
      {
        path: "/auth/callback",
        lazy: () => import("./auth-callback").then((m) => ({ Component: m.AuthCallbackRoute })),
      },
      { path: "*", lazy: () => import("./not-found").then((m) => ({ Component: m.NotFoundRoute })) },
    ],
  },
];
