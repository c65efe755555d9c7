"""Run the stand-in for manual use and benchmarks: python -m tests.standin [--port N]."""

import argparse
import time

from . import StandIn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    args = parser.parse_args()
    with StandIn(port=args.port, latency=args.latency) as standin:
        print("Stand-in of arXiv and Crossref is listening. Point rsbib at it with:")
        for name, value in standin.env.items():
            print(f"  export {name}={value}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("\nrequests served:", dict(standin.counts()))


if __name__ == "__main__":
    main()
