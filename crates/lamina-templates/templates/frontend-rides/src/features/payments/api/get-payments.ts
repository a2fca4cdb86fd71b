import { queryOptions, useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api-client";

// GET /payment/payments: the caller's payments, newest first.
export const paymentsQuery = queryOptions({
  queryKey: ["payments"],
  queryFn: ({ signal }) => unwrap(api.GET("/payment/payments", { signal })),
});

export function usePayments() {
  return useQuery(paymentsQuery);
}
