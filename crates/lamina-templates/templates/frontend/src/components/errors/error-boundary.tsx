import { Component, type ErrorInfo, type ReactNode } from "react";

type Props = { children: ReactNode };
type State = { error: Error | null };

// Last line of defence: shows the error instead of a blank page.
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(error, info.componentStack);
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <div role="alert" className="mx-auto max-w-2xl p-8">
        <h1 className="text-lg font-semibold text-rose-700">Something went wrong</h1>
        <pre className="mt-4 overflow-auto rounded bg-rose-50 p-4 text-sm whitespace-pre-wrap">
          {this.state.error.message}
        </pre>
        <button
          type="button"
          className="mt-4 rounded-md border border-slate-300 px-3 py-1.5 text-sm"
          onClick={() => window.location.assign("/")}
        >
          Reload
        </button>
      </div>
    );
  }
}
