import type { Ref } from "react";

import { Button } from "@/components/ui/button";
import { ApiError, issueField } from "@/lib/problem";

// An error as the API described it (RFC 9457 problem details): title, status, detail, and for a
// 422 each invalid field. Focusable, so a form can move focus to it after a failed submit.

type Props = {
  error: unknown;
  title?: string;
  onRetry?: () => void;
  ref?: Ref<HTMLDivElement>;
};

export function ProblemAlert({ error, title, onRetry, ref }: Props) {
  const problem = error instanceof ApiError ? error.problem : undefined;
  const heading = title ?? problem?.title ?? "Something went wrong";
  const detail = problem?.detail ?? (error instanceof Error ? error.message : String(error));
  return (
    <div
      ref={ref}
      role="alert"
      tabIndex={-1}
      className="rounded-md border border-rose-200 bg-rose-50 p-4 text-sm text-rose-900 focus-visible:outline-2 focus-visible:outline-rose-500"
    >
      <p className="font-semibold">
        {heading}
        {problem !== undefined && problem.status > 0 && (
          <span className="ml-2 font-mono text-xs font-normal text-rose-700">{problem.status}</span>
        )}
      </p>
      {detail !== heading && <p className="mt-1">{detail}</p>}
      {problem?.errors !== undefined && problem.errors.length > 0 && (
        <ul className="mt-2 list-disc pl-5">
          {problem.errors.map((issue, i) => (
            <li key={i}>
              {issueField(issue) !== "" && <span className="font-mono">{issueField(issue)}</span>}
              {issueField(issue) !== "" && ": "}
              {issue.msg}
            </li>
          ))}
        </ul>
      )}
      {onRetry !== undefined && (
        <Button variant="secondary" className="mt-3" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}
