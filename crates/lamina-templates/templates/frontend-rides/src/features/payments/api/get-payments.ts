import { queryOptions, useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api-client";

// GET /payment/payments: the caller's payments, newest first.
export const paymentsQuery = queryOptions({
  queryKey: ["payments"],
  queryFn: () => unwrap(api.GET("/payment/payments")),
});

export function usePayments() {
  return useQuery(paymentsQuery);
}
