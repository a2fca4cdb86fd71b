import { useEffect, type ReactNode } from "react";
import { AuthProvider as OidcProvider } from "react-oidc-context";

import { renew, userManager } from "@/lib/auth";

// The OIDC state for React (react-oidc-context) over our one UserManager, and the renewal timer:
// a minute before the access token expires (or once it has, after a laptop slept), `renew` trades
// the refresh token for new tokens. If Cognito refuses it, `renew` forgets the user; a protected
// page then sends them to sign in, and a public one offers it.

function onSigninCallback(): void {
  // Drop `?code=…&state=…` from the address bar: a reload must not replay a spent code.
  window.history.replaceState(window.history.state, "", window.location.pathname);
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const manager = userManager();
  useEffect(() => {
    const onExpiring = () => void renew();
    manager.events.addAccessTokenExpiring(onExpiring);
    manager.events.addAccessTokenExpired(onExpiring);
    return () => {
      manager.events.removeAccessTokenExpiring(onExpiring);
      manager.events.removeAccessTokenExpired(onExpiring);
    };
  }, [manager]);
  return (
    <OidcProvider userManager={manager} onSigninCallback={onSigninCallback}>
      {children}
    </OidcProvider>
  );
}
