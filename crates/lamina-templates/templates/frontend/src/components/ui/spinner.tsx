// A polite live region that says what is loading; the dot is decoration.
export function Loading({ label }: { label: string }) {
  return (
    <p role="status" className="flex items-center gap-2 text-sm text-slate-600">
      <span aria-hidden="true" className="size-2.5 animate-pulse rounded-full bg-slate-400" />
      {label}
    </p>
  );
}
