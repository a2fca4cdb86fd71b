import { useRef, useState, type FormEvent } from "react";

import { Button } from "@/components/ui/button";
import { Field, Input } from "@/components/ui/field";
import { ProblemAlert } from "@/components/ui/problem-alert";
import { useRequestRide } from "@/features/rides/api/request-ride";

// Pickup and drop-off as coordinates (a map picker would fill these in), and the passengers.
// The browser checks ranges first; the API's 422 details are shown field by field if it disagrees.

const coordinate = (form: FormData, name: string) => Number(form.get(name));

/** A place as latitude and longitude, named `<name>_lat` and `<name>_lng` in the form. */
function PlaceFields({ name, legend, lat, lng }: { name: string; legend: string; lat: string; lng: string }) {
  return (
    <fieldset className="grid grid-cols-2 gap-4">
      <legend className="col-span-2 mb-1 text-sm font-semibold">{legend}</legend>
      <Field label={`${legend} latitude`}>
        {(p) => <Input {...p} name={`${name}_lat`} type="number" step="any" min={-90} max={90} required defaultValue={lat} />}
      </Field>
      <Field label={`${legend} longitude`}>
        {(p) => <Input {...p} name={`${name}_lng`} type="number" step="any" min={-180} max={180} required defaultValue={lng} />}
      </Field>
    </fieldset>
  );
}

export function RequestRideForm() {
  const requestRide = useRequestRide();
  const alert = useRef<HTMLDivElement>(null);
  const [requested, setRequested] = useState<string | null>(null);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setRequested(null);
    requestRide.mutate(
      {
        pickup: { lat: coordinate(form, "pickup_lat"), lng: coordinate(form, "pickup_lng") },
        dropoff: { lat: coordinate(form, "dropoff_lat"), lng: coordinate(form, "dropoff_lng") },
        passengers: Number(form.get("passengers")),
      },
      {
        onSuccess: (ride) => setRequested(ride.id),
        // After the alert renders, so a screen reader lands on what went wrong.
        onError: () => requestAnimationFrame(() => alert.current?.focus()),
      },
    );
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-describedby="request-hint">
      <p id="request-hint" className="text-sm text-slate-600">
        Coordinates in degrees (WGS 84).
      </p>
      <PlaceFields name="pickup" legend="Pickup" lat="52.5200" lng="13.4050" />
      <PlaceFields name="dropoff" legend="Drop-off" lat="52.5163" lng="13.3777" />
      <div className="max-w-40">
        <Field label="Passengers" hint="1 to 6">
          {(p) => <Input {...p} name="passengers" type="number" min={1} max={6} step={1} required defaultValue="1" />}
        </Field>
      </div>
      {requestRide.isError && <ProblemAlert ref={alert} error={requestRide.error} title="The ride was not requested" />}
      <div className="flex items-center gap-4">
        <Button type="submit" disabled={requestRide.isPending}>
          {requestRide.isPending ? "Requesting…" : "Request ride"}
        </Button>
        <p role="status" className="text-sm text-emerald-700">
          {requested !== null && "Ride requested."}
        </p>
      </div>
    </form>
  );
}
