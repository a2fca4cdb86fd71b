import { Layout } from "@/components/layout";

export function NotFoundRoute() {
  return (
    <Layout>
      <h1 className="text-2xl font-semibold tracking-tight">Not found</h1>
      <p className="mt-2 text-slate-600">
        <a href="/" className="text-sky-700 underline">
          Go home
        </a>
      </p>
    </Layout>
  );
}
