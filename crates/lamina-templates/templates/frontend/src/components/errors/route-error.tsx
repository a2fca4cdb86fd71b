import { isRouteErrorResponse, Link, useRouteError } from "react-router";

// A page that failed to load or render. After a deploy, a tab opened earlier may ask for a page
// chunk that no longer exists (assets are content-hashed): a reload fetches the new version.
export function RouteError() {
  const error = useRouteError();
  const stale = error instanceof TypeError && /dynamically imported module|Importing a module script failed/i.test(error.message);
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error
      ? error.message
      : String(error);
  return (
    <div role="alert" className="space-y-3">
      <h1 className="text-2xl font-semibold tracking-tight">
        {stale ? "A new version of this app is available" : "This page failed to load"}
      </h1>
      {!stale && <pre className="overflow-auto rounded bg-rose-50 p-4 text-sm whitespace-pre-wrap">{message}</pre>}
      <p className="flex gap-4 text-sm">
        <button type="button" className="text-sky-700 underline" onClick={() => window.location.reload()}>
          Reload
        </button>
        <Link to="/" className="text-sky-700 underline">
          Home
        </Link>
      </p>
    </div>
  );
}
