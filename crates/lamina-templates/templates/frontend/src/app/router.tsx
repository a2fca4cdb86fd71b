import { createBrowserRouter, RouterProvider } from "react-router";

import { routes } from "@/app/routes";

// Pages load on demand (see app/routes/index.tsx), so the first page only downloads itself.
// CloudFront (and Vite) serve index.html for every path, so deep links work.
const router = createBrowserRouter(routes);

export function AppRouter() {
  return <RouterProvider router={router} />;
}
