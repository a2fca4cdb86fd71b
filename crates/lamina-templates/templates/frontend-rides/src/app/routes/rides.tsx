import { Page } from "@/components/ui/page";
import { RequireAuth } from "@/features/auth/components/require-auth";
import { PayForRide } from "@/features/payments/components/pay-for-ride";
import { RequestRideForm } from "@/features/rides/components/request-ride-form";
import { RidesList } from "@/features/rides/components/rides-list";

// Two features meet here, not inside each other: a ride in the list gets the payment feature's
// form (or its receipt) as its action.
export function RidesRoute() {
  return (
    <Page title="Rides">
      <RequireAuth>
        <section aria-labelledby="request-heading" className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="request-heading" className="mb-4 text-lg font-semibold">
            Request a ride
          </h2>
          <RequestRideForm />
        </section>
        <section aria-labelledby="mine-heading" className="mt-8">
          <h2 id="mine-heading" className="mb-4 text-lg font-semibold">
            My rides
          </h2>
          <RidesList renderActions={(ride) => <PayForRide rideId={ride.id} />} />
        </section>
      </RequireAuth>
    </Page>
  );
}
