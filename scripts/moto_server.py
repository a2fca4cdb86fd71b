"""moto in server mode, patched so that the generated Terraform converges against it.

    $LAMINA_MOTO_PYTHON scripts/moto_server.py [--host 127.0.0.1] --port N \
        [--ssl-cert CERT --ssl-key KEY]

Deploy tests reach it over TLS (a CA made for the test), as every client reaches AWS: lamina
bootstrap's buckets deny plain HTTP, as AWS would.

Ready when `GET /moto-api/` answers. scripts/env.sh installs the pinned moto into .tools/moto
and exports LAMINA_MOTO_PYTHON.

A deploy test applies the stack and then asks for a second plan, which must be empty. Against
stock moto it is not, because moto answers a few reads differently from AWS: each patch below
fixes exactly one such answer, names the moto gap, and says which attribute of our stack
diffed because of it. Nothing else is changed: a diff that AWS itself would show must still
show here. The patches are written against MOTO_VERSION; another version is refused rather
than patched blindly.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import inspect
import sys
from typing import Any

MOTO_VERSION = "5.2.5"


def patch_cloudfront() -> None:
    from moto.cloudfront import models

    # Gap: moto's Origin never stores OriginAccessControlId, so GetDistribution returns the
    # S3 origin without it. Diff: aws_cloudfront_distribution.origin is replaced on every
    # plan (origin_access_control_id "<id>" -> absent). AWS returns the id it was given.
    origin_init = models.Origin.__init__

    def origin_with_oac(self: Any, origin: dict[str, Any]) -> None:
        origin_init(self, origin)
        self.origin_access_control_id = origin.get("OriginAccessControlId") or ""

    models.Origin.__init__ = origin_with_oac

    # Gap: moto always fills in ForwardedValues (query string off, no cookies), also for a
    # cache behaviour that uses a cache policy. Diff: default_cache_behavior.forwarded_values
    # appears and Terraform removes it every plan. AWS returns ForwardedValues only when the
    # request had it (it is the legacy alternative to CachePolicyId).
    behaviour_init = models.DefaultCacheBehaviour.__init__

    def behaviour_without_legacy_forwarding(self: Any, config: dict[str, Any]) -> None:
        had_forwarded_values = "ForwardedValues" in config
        behaviour_init(self, config)
        if not had_forwarded_values and self.cache_policy_id:
            self.forwarded_values = None

    models.DefaultCacheBehaviour.__init__ = behaviour_without_legacy_forwarding

    # Gap: moto defaults SSLSupportMethod to "sni-only" even with CloudFront's default
    # certificate. Diff: viewer_certificate.ssl_support_method "sni-only" -> null every plan.
    # AWS has no SSL support method for the *.cloudfront.net certificate.
    certificate_init = models.ViewerCertificate.__init__

    def certificate_without_default_sni(self: Any, config: dict[str, Any]) -> None:
        certificate_init(self, config)
        if not config.get("SSLSupportMethod"):
            self.ssl_support_method = None

    models.ViewerCertificate.__init__ = certificate_without_default_sni


def patch_ec2() -> None:
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend

    # Gap: moto matches DescribeAvailabilityZones filter values exactly, while EC2 filters
    # take the wildcards * and ?. Error (not a diff): modules/network selects the region's
    # standard zones with zone-name = "<region>?", which finds no zone in moto, so the
    # subnets' availability_zone index fails at plan time. Only zone-name is widened here.
    describe = RegionsAndZonesBackend.describe_availability_zones

    def describe_with_wildcards(
        self: Any,
        filters: dict[str, list[str]] | None = None,
        zone_names: list[str] | None = None,
        zone_ids: list[str] | None = None,
    ) -> Any:
        if filters and filters.get("zone-name"):
            patterns = filters["zone-name"]
            names = [z.name for z in describe(self)]
            filters = dict(filters)
            filters["zone-name"] = [
                n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)
            ]
        return describe(self, filters, zone_names, zone_ids)

    RegionsAndZonesBackend.describe_availability_zones = describe_with_wildcards

    from moto.ec2.models.security_groups import SecurityGroupRule

    # Gap: moto keeps a security group rule's Description only for CIDR ranges; a rule that
    # references a prefix list or another security group comes back without it. Diff: the
    # network module's egress rules to the S3/DynamoDB gateway endpoints (prefix lists) and
    # the endpoints' ingress rule from each domain's group get their description re-added
    # every plan. AWS returns the description of every kind of rule.
    rule_init = SecurityGroupRule.__init__

    def rule_keeping_description(self: Any, *args: Any, **kwargs: Any) -> None:
        rule_init(self, *args, **kwargs)
        given = inspect.signature(rule_init).bind(self, *args, **kwargs).arguments
        referenced = given.get("prefix_list_id") or given.get("source_group") or {}
        self.referenced_description = referenced.get("Description")

    def description(self: Any) -> str | None:
        return self.ip_range.get("Description") or getattr(
            self, "referenced_description", None
        )

    SecurityGroupRule.__init__ = rule_keeping_description
    SecurityGroupRule.description = property(description)


def patch_cognito() -> None:
    from moto.cognitoidp.models import CognitoIdpBackend
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.core.responses import EmptyResult

    # Gap: moto has no DeleteResourceServer (it answers 500 "not implemented"). Failure (not
    # a diff): `terraform destroy` retries deleting aws_cognito_resource_server (the
    # project's scopes) for its whole timeout. Implemented like AWS: unknown pool or
    # identifier -> ResourceNotFoundException, else the server is gone.
    def delete_resource_server(self: Any, user_pool_id: str, identifier: str) -> None:
        self.describe_resource_server(user_pool_id, identifier)
        del self.describe_user_pool(user_pool_id).resource_servers[identifier]

    def delete_resource_server_action(self: Any) -> EmptyResult:
        self.backend.delete_resource_server(
            self._get_param("UserPoolId"), self._get_param("Identifier")
        )
        return EmptyResult()

    CognitoIdpBackend.delete_resource_server = delete_resource_server
    CognitoIdpResponse.delete_resource_server = delete_resource_server_action


def patch_s3(tls: bool) -> None:
    import json

    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    # Gap: moto enforces bucket policies without their conditions (moto/s3/models.py,
    # put_bucket_policy: "Conditions are not taken into account"), so the TLS-only statement of
    # every hardened bucket (Deny s3:* when aws:SecureTransport is "false": lamina bootstrap's
    # state and artifact buckets, the site bucket) denies every object request, TLS or not.
    # Failure (not a diff): state, releases and site uploads get 403. Patched like AWS: the
    # aws:SecureTransport condition is evaluated against how this server is reached (TLS when it
    # runs with --ssl-cert); any other condition is left as moto treats it.
    def permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = json.loads(self.policy)
        statements = policy.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        kept = []
        for statement in statements:
            condition = {k: dict(v) for k, v in statement.get("Condition", {}).items()}
            secure = condition.get("Bool", {}).pop("aws:SecureTransport", None)
            if secure is not None:
                if (str(secure).lower() == "true") != tls:
                    continue  # the condition does not hold: the statement does not apply
                condition = {k: v for k, v in condition.items() if v}
                statement = {k: v for k, v in statement.items() if k != "Condition"}
                if condition:
                    statement["Condition"] = condition
            kept.append(statement)
        policy["Statement"] = kept
        return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)

    FakeBucket.get_permission = permission


def main(argv: list[str]) -> None:
    installed = importlib.metadata.version("moto")
    if installed != MOTO_VERSION:
        sys.exit(
            f"error: moto {installed} is installed, but scripts/moto_server.py patches moto "
            f"{MOTO_VERSION}: install it with `source scripts/env.sh`, or re-check each patch "
            "against the new version and update MOTO_VERSION"
        )
    patch_cloudfront()
    patch_ec2()
    patch_cognito()
    patch_s3(tls=any(a in ("-c", "--ssl-cert", "-s", "--ssl") for a in argv))

    import moto.server

    moto.server.main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
