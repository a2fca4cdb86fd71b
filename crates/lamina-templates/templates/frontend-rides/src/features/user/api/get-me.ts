import { queryOptions, useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api-client";

// GET /user/me: the caller as their access token describes them.
export const meQuery = queryOptions({
  queryKey: ["user", "me"],
  queryFn: () => unwrap(api.GET("/user/me")),
});

export function useMe() {
  return useQuery(meQuery);
}
