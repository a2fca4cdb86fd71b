import { StrictMode, type ReactNode } from "react";

import { ErrorBoundary } from "@/components/errors/error-boundary";

export function AppProvider({ children }: { children: ReactNode }) {
  return (
    <StrictMode>
      <ErrorBoundary>{children}</ErrorBoundary>
    </StrictMode>
  );
}
