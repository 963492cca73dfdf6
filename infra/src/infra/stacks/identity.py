"""Identity: the Cognito user pool that issues the tokens every service and the router verify.

People sign in with their e-mail address and a password (SRP, so the password never leaves the
browser); TOTP is optional. Roles are the pool's groups `customer`, `operator` and `admin`, carried
in the `cognito:groups` claim; a user in no group (everyone who signed up on their own) is a
customer (AUTH_DEFAULT_ROLE). The frontend is one public app client: no secret, SRP only.

Clients send the **ID token**: its `aud` is the app client id (AUTH_AUDIENCE). Cognito's access
token has no `aud` (it carries `client_id` instead), so the services refuse it.

The pool holds the accounts whose `sub` is each self-registered customer's id in the tables, so it
lives as long as they do: deletion protection and RETAIN in every environment, like the tables.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra import nag
from infra.config import EnvironmentConfig

ROLES_CLAIM = "cognito:groups"
DEFAULT_ROLE = "customer"  # self-signed-up users are in no group
# Group name -> (precedence, description). The services take every group in `cognito:groups` as a
# role (kit.web.tokens); precedence only decides `cognito:preferred_role`, which nothing here reads.
GROUPS = {
    "admin": (0, "Everything, including changing any customer's data"),
    "operator": (10, "Reads every customer; registers customers; sets manual prices and FX rates"),
    "customer": (20, "Reads and changes only its own data (also the role of a user in no group)"),
}


class IdentityStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # Essentials (free up to 10,000 monthly active users, like Lite) for password-reuse
        # prevention. Threat protection (compromised credentials, adaptive authentication) needs
        # the Plus plan, billed for every active user: off unless `threatProtection` is set.
        plus = config.threat_protection
        self.user_pool = cognito.UserPool(
            self,
            "Users",
            user_pool_name=f"{config.prefix}-users",
            feature_plan=cognito.FeaturePlan.PLUS if plus else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=(
                cognito.StandardThreatProtectionMode.FULL_FUNCTION if plus else None
            ),
            self_sign_up_enabled=config.self_sign_up,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            # A changed address takes effect only once the user has confirmed it.
            keep_original=cognito.KeepOriginalAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                password_history_size=5,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        nag.acknowledge(
            self.user_pool,
            "COG2",
            "MFA is optional by decision: customers sign themselves up and may enrol a TOTP app; "
            "Cognito cannot require MFA per group, so requiring it would force it on every customer. "
            "SMS is off (no text-message cost or toll fraud).",
        )
        if not plus:
            nag.acknowledge(
                self.user_pool,
                "COG8",
                "The Essentials plan is chosen: the Plus plan (threat protection) is billed for every "
                "monthly active user with no free tier; the strong password policy, password history "
                "and optional TOTP apply. Set `threatProtection` to true to move to Plus.",
            )

        self.groups = {
            name: cognito.UserPoolGroup(
                self,
                f"{name.capitalize()}Group",
                user_pool=self.user_pool,
                group_name=name,
                precedence=precedence,
                description=description,
            )
            for name, (precedence, description) in GROUPS.items()
        }

        # The frontend: a public client (runs in the browser, so no secret), SRP sign-in only, no
        # hosted UI or OAuth flows. ALLOW_REFRESH_TOKEN_AUTH is always on (added by the construct).
        self.client = self.user_pool.add_client(
            "Frontend",
            user_pool_client_name=f"{config.prefix}-frontend",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            disable_o_auth=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
        )

        # What every service and the router verify a token against (kit.web.tokens.AuthSettings).
        self.issuer = f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool.user_pool_id}"
        self.jwks_url = f"{self.issuer}/.well-known/jwks.json"
        self.audience = self.client.user_pool_client_id

        CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id, description="Cognito user pool id")
        CfnOutput(
            self,
            "UserPoolClientId",
            value=self.client.user_pool_client_id,
            description="App client id of the frontend (the `aud` of its ID tokens)",
        )
        CfnOutput(self, "IssuerUrl", value=self.issuer, description="Token issuer (AUTH_ISSUER)")
