import { useMutation, useQueryClient } from "@tanstack/react-query";

import type { RideCreate } from "@/api/schema";
import { ridesQuery } from "@/features/rides/api/get-rides";
import { api, unwrap } from "@/lib/api-client";

// POST /ride/rides: request a ride; the list refreshes once it is stored.
export function useRequestRide() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (ride: RideCreate) => unwrap(api.POST("/ride/rides", { body: ride })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ridesQuery.queryKey }),
  });
}
