import { Link } from "react-router";

import { Page } from "@/components/ui/page";

export function NotFoundRoute() {
  return (
    <Page title="Not found">
      <p className="text-slate-600">
        <Link to="/" className="text-sky-700 underline">
          Go home
        </Link>
      </p>
    </Page>
  );
}
