import { queryOptions, useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api-client";

// GET /ride/rides: the caller's rides, newest first.
export const ridesQuery = queryOptions({
  queryKey: ["rides"],
  queryFn: () => unwrap(api.GET("/ride/rides")),
});

export function useRides() {
  return useQuery(ridesQuery);
}
