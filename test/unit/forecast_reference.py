#!/usr/bin/env python3
"""
forecast_reference.py
    Regenerates the reference values of test/unit/test_forecast.c, outside
    the extension and without numpy: the series are built from integers
    exactly as the C test builds them, the least squares figures are the
    closed forms over exact rationals (fractions.Fraction), cross-checked
    with statistics.linear_regression, and the Theil-Sen medians are taken
    over the same correctly rounded pairwise slopes the C code forms.

    python3 test/unit/forecast_reference.py      (Python 3.10+; prints C)

The Student t quantiles in the test are R's qt() / scipy.stats.t.ppf
values; with mpmath installed, this script checks them to 50 digits.
"""
import math
import statistics
from fractions import Fraction as F

DAY = 86400


def lcg_noise(n, seed, spread):
    """The test's noise: an LCG mod 2^31, value % (2 spread + 1) - spread."""
    state, out = seed, []
    for _ in range(n):
        state = (1103515245 * state + 12345) % 2**31
        out.append(state % (2 * spread + 1) - spread)
    return out


def epoch_series():
    """Case 2: 2000 daily points from 1.5e9 s, 100 per day + noise."""
    noise = lcg_noise(2000, 42, 1000)
    x = [1500000000 + DAY * i for i in range(2000)]
    y = [1000000 + 100 * i + noise[i] for i in range(2000)]
    return x, y


def hourly_series():
    """Case 2b: 720 hourly points (30 days) from 1.7e9 s, 2 per hour + noise."""
    noise = lcg_noise(720, 7, 50)
    x = [1700000000 + 3600 * i for i in range(720)]
    y = [5000 + 2 * i + noise[i] for i in range(720)]
    return x, y


def naive_sxx(x):
    """The textbook sum x^2 - n xbar^2 on raw x, as a plain double loop."""
    sx = sxx = 0.0
    for v in x:
        sx += v
        sxx += float(v) * v
    return sxx - len(x) * (sx / len(x)) ** 2


def pi_series():
    """Case 3: 12 daily points from 1.7e9 s."""
    x = [1700000000 + DAY * i for i in range(12)]
    y = [3, 7, 8, 12, 15, 14, 20, 22, 21, 27, 30, 31]
    return x, y


def burst_series():
    """Case 4: 200 daily points, 100 per day, every 5th point of the
    second half (20 points, 10 %) raised by 5000 (bulk-load bursts)."""
    x = [1600000000 + DAY * i for i in range(200)]
    y = [50000 + 100 * i + (5000 if i >= 100 and i % 5 == 0 else 0)
         for i in range(200)]
    return x, y


def exact_ols(x, y):
    n = len(x)
    X = [F(v) for v in x]
    Y = [F(v) for v in y]
    xm = sum(X) / n
    ym = sum(Y) / n
    sxx = sum((a - xm) ** 2 for a in X)
    sxy = sum((a - xm) * (b - ym) for a, b in zip(X, Y))
    syy = sum((b - ym) ** 2 for b in Y)
    slope = sxy / sxx
    sse = sum((b - ym - slope * (a - xm)) ** 2 for a, b in zip(X, Y))
    return dict(n=n, xm=xm, ym=ym, sxx=sxx, slope=slope, sse=sse,
                s2=sse / (n - 2), r2=1 - sse / syy)


def theil_sen(x, y):
    """Slopes as doubles, like the C code: integer inputs, so each
    (y_j - y_i) / (x_j - x_i) is the correctly rounded quotient."""
    n = len(x)
    s = sorted((y[j] - y[i]) / (x[j] - x[i])
               for i in range(n) for j in range(i + 1, n) if x[i] != x[j])
    return statistics.median(s)


def lit(v):
    return repr(float(v))


def main():
    x, y = epoch_series()
    r = exact_ols(x, y)
    lr = statistics.linear_regression(x, y)
    print("/* case 2: epoch series (exact rationals, rounded once) */")
    print("#define EPOCH_X_MEAN", lit(r["xm"]))
    print("#define EPOCH_Y_MEAN", lit(r["ym"]))
    print("#define EPOCH_SLOPE", lit(r["slope"]))
    print("#define EPOCH_SXX", lit(r["sxx"]))
    print("#define EPOCH_S", lit(math.sqrt(r["s2"])))
    print("#define EPOCH_R2", lit(r["r2"]))
    # statistics.linear_regression: slope and intercept at x = 0
    print("/* statistics.linear_regression: slope rel. diff %.3g,"
          " intercept at x_mean rel. diff %.3g */" % (
              abs(lr.slope / float(r["slope"]) - 1),
              abs(float(F(lr.intercept) + F(lr.slope) * r["xm"]) /
                  float(r["ym"]) - 1)))
    print("/* naive sum x^2 - n xbar^2: rel. error %.3g */" %
          abs(naive_sxx(x) / float(r["sxx"]) - 1))
    print("#define EPOCH_TS_SLOPE", lit(theil_sen(x, y)))

    x, y = hourly_series()
    r = exact_ols(x, y)
    print("/* case 2b: hourly series; naive Sxx rel. error %.3g */" %
          abs(naive_sxx(x) / float(r["sxx"]) - 1))
    print("#define HOURLY_SLOPE", lit(r["slope"]))
    print("#define HOURLY_Y_MEAN", lit(r["ym"]))
    print("#define HOURLY_SXX", lit(r["sxx"]))
    print("#define HOURLY_S", lit(math.sqrt(r["s2"])))
    print("#define HOURLY_R2", lit(r["r2"]))

    x, y = pi_series()
    r = exact_ols(x, y)
    x0 = x[-1] + 30 * DAY
    k = 1 + F(1, r["n"]) + (F(x0) - r["xm"]) ** 2 / r["sxx"]
    print("/* case 3: s^2 (1 + 1/n + (x0 - x_mean)^2 / Sxx) at x0 = last + 30 days */")
    print("#define PI_SLOPE", lit(r["slope"]))
    print("#define PI_PREDICT",
          lit(r["ym"] + r["slope"] * (F(x0) - r["xm"])))
    print("#define PI_VAR", lit(r["s2"] * k))

    x, y = burst_series()
    r = exact_ols(x, y)
    print("/* case 4: bursts */")
    print("#define BURST_OLS_SLOPE_DAY", lit(r["slope"] * DAY))
    print("#define BURST_TS_SLOPE", lit(theil_sen(x, y)))

    try:
        import mpmath as mp
    except ImportError:
        return
    mp.mp.dps = 50

    def qt(p, df):
        p, df = mp.mpf(p), mp.mpf(df)

        def cdf(t):
            tail = mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + t * t),
                              regularized=True) / 2
            return 1 - tail if t > 0 else tail
        return mp.findroot(lambda t: cdf(t) - p, 2, verify=False)
    for df, v in ((1, 12.706204736174698), (2, 4.302652729749464),
                  (10, 2.2281388519862744), (30, 2.0422724563012373),
                  (1000, 1.9623390808264074)):
        print("/* t(0.975, %g) = %s: rel. diff of the literal %.2g */" %
              (df, mp.nstr(qt(0.975, df), 20), abs(v / qt(0.975, df) - 1)))


if __name__ == "__main__":
    main()
