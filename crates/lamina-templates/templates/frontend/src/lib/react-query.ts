import { QueryClient } from "@tanstack/react-query";

import { ApiError } from "@/lib/problem";

// Data fetching through TanStack Query: caching, deduplication, loading and error states.
// Query functions do not pass TanStack's abort signal on: leaving a page while its data loads
// would cancel the request and send it again on return, and each such request can cost a Lambda
// cold start. The answer is cached instead.
// A request the API refused for the caller's own reasons (4xx) is not retried: it would fail the
// same way. Network errors and 5xx are retried twice.
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        retry: (failures, error) =>
          !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
      },
      mutations: { retry: false },
    },
  });
}
