// Shown instead of the app when its environment is incomplete: says which value is missing and
// who sets it, rather than a blank page or a sign-in that fails later.
export function ConfigError({ problems }: { problems: string[] }) {
  return (
    <main className="mx-auto max-w-2xl p-8">
      <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 p-6">
        <h1 className="text-lg font-semibold text-rose-800">This app is not configured</h1>
        <ul className="mt-3 list-disc space-y-2 pl-5 text-sm text-rose-900">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      </div>
    </main>
  );
}
