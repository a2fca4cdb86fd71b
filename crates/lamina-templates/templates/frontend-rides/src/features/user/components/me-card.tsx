import { ProblemAlert } from "@/components/ui/problem-alert";
import { Loading } from "@/components/ui/spinner";
import { useMe } from "@/features/user/api/get-me";

export function MeCard() {
  const me = useMe();
  if (me.isPending) return <Loading label="Loading your profile…" />;
  if (me.isError) return <ProblemAlert error={me.error} onRetry={() => void me.refetch()} />;
  const { username, email, groups } = me.data;
  return (
    <dl className="grid max-w-md grid-cols-[8rem_1fr] gap-y-2 rounded-lg border border-slate-200 bg-white p-5 text-sm shadow-sm">
      <dt className="text-slate-500">Username</dt>
      <dd className="font-semibold">
        {username}
      </dd>
      <dt className="text-slate-500">Email</dt>
      <dd>{email ?? <span className="text-slate-500">not in the access token</span>}</dd>
      <dt className="text-slate-500">Groups</dt>
      <dd>{groups.length > 0 ? groups.join(", ") : <span className="text-slate-500">none</span>}</dd>
    </dl>
  );
}
