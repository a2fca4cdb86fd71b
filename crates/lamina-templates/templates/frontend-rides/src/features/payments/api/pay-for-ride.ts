import { useMutation, useQueryClient } from "@tanstack/react-query";

import type { PaymentCreate } from "@/api/schema";
import { paymentsQuery } from "@/features/payments/api/get-payments";
import { api, unwrap } from "@/lib/api-client";

// POST /payment/payments with an Idempotency-Key: the caller picks the key once per payment, so
// a retry after a lost answer is never charged twice.
export function usePayForRide() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ payment, idempotencyKey }: { payment: PaymentCreate; idempotencyKey: string }) =>
      unwrap(
        api.POST("/payment/payments", {
          params: { header: { "Idempotency-Key": idempotencyKey } },
          body: payment,
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: paymentsQuery.queryKey }),
  });
}
