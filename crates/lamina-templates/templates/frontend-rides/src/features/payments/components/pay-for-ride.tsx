import { useRef, useState, type FormEvent } from "react";

import { Button } from "@/components/ui/button";
import { Field, Input, Select } from "@/components/ui/field";
import { ProblemAlert } from "@/components/ui/problem-alert";
import { Loading } from "@/components/ui/spinner";
import { usePayments } from "@/features/payments/api/get-payments";
import { usePayForRide } from "@/features/payments/api/pay-for-ride";

const CURRENCIES = ["EUR", "USD", "GBP"] as const;

/** The receipt of a ride's payment, or a form to pay for it. */
export function PayForRide({ rideId }: { rideId: string }) {
  const payments = usePayments();
  const pay = usePayForRide();
  // One key per payment attempt, kept across retries of the same form.
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const alert = useRef<HTMLDivElement>(null);

  if (payments.isPending) return <Loading label="Loading payments…" />;
  if (payments.isError) return <ProblemAlert error={payments.error} onRetry={() => void payments.refetch()} />;
  const paid = payments.data.data.find((p) => p.ride_id === rideId);
  if (paid !== undefined) {
    return (
      <p className="text-sm text-emerald-700">
        Paid {paid.amount} {paid.currency} <span className="text-slate-500">({paid.status})</span>
      </p>
    );
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    pay.mutate(
      {
        // A string, so no float rounds it on the way (the API takes a decimal).
        payment: { ride_id: rideId, amount: String(form.get("amount")), currency: String(form.get("currency")) },
        idempotencyKey,
      },
      { onError: () => requestAnimationFrame(() => alert.current?.focus()) },
    );
  }

  return (
    <form onSubmit={submit} aria-label="Pay for this ride" className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Amount">
          {(p) => (
            <Input
              {...p}
              name="amount"
              inputMode="decimal"
              pattern="[0-9]+([.][0-9]{1,2})?"
              title="An amount such as 12.50"
              required
              className="w-28"
            />
          )}
        </Field>
        <Field label="Currency">
          {(p) => (
            <Select {...p} name="currency" defaultValue="EUR">
              {CURRENCIES.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </Select>
          )}
        </Field>
        <Button type="submit" disabled={pay.isPending}>
          {pay.isPending ? "Paying…" : "Pay"}
        </Button>
      </div>
      {pay.isError && <ProblemAlert ref={alert} error={pay.error} title="The payment failed" />}
    </form>
  );
}
