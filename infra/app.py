"""Entry point of the CDK app for the `cdk` CLI (see cdk.json); the app lives in src/infra/."""

from infra.app import main

if __name__ == "__main__":
    main()
