import { QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";

import { ErrorBoundary } from "@/components/errors/error-boundary";
import { AuthProvider } from "@/features/auth/components/auth-provider";
import { createQueryClient } from "@/lib/react-query";

export function AppProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(createQueryClient);
  return (
    <ErrorBoundary>
      <AuthProvider>
        <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
      </AuthProvider>
    </ErrorBoundary>
  );
}
