import type { ReactNode } from "react";

import type { Location, RidePublic } from "@/api/schema";
import { ProblemAlert } from "@/components/ui/problem-alert";
import { Loading } from "@/components/ui/spinner";
import { useRides } from "@/features/rides/api/get-rides";

const place = ({ lat, lng }: Location) => `${lat.toFixed(4)}, ${lng.toFixed(4)}`;

/** The caller's rides; `renderActions` adds what other features offer for one (paying, say). */
export function RidesList({ renderActions }: { renderActions?: (ride: RidePublic) => ReactNode }) {
  const rides = useRides();
  if (rides.isPending) return <Loading label="Loading your rides…" />;
  if (rides.isError) return <ProblemAlert error={rides.error} onRetry={() => void rides.refetch()} />;
  if (rides.data.count === 0) return <p className="text-sm text-slate-600">No rides yet.</p>;
  return (
    <ul aria-label="My rides" className="space-y-3">
      {rides.data.data.map((ride) => (
        <li
          key={ride.id}
          aria-label={`Ride from ${place(ride.pickup)} to ${place(ride.dropoff)}`}
          className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
        >
          <div className="flex flex-wrap items-baseline justify-between gap-2">
            <p className="text-sm">
              <span className="font-semibold">{place(ride.pickup)}</span> →{" "}
              <span className="font-semibold">{place(ride.dropoff)}</span>
              <span className="text-slate-500">
                {" "}
                · {ride.passengers} {ride.passengers === 1 ? "passenger" : "passengers"}
              </span>
            </p>
            <p className="text-xs text-slate-500">
              <span className="mr-2 rounded bg-slate-100 px-1.5 py-0.5 font-medium text-slate-700">{ride.status}</span>
              <time dateTime={ride.created_at}>{new Date(ride.created_at).toLocaleString()}</time>
            </p>
          </div>
          {renderActions !== undefined && <div className="mt-3">{renderActions(ride)}</div>}
        </li>
      ))}
    </ul>
  );
}
