"""Money in integer minor units: half-up rounding, percentages and largest-remainder allocation."""

FULL_PERCENT_BP = 10_000

_EXPONENTS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (towards +infinity on a tie); denominator > 0."""
    return (2 * numerator + denominator) // (2 * denominator)


def percent_of(amount: int, percent_bp: int) -> int:
    return round_half_up(amount * percent_bp, FULL_PERCENT_BP)


def allocate(total: int, weights: list[int]) -> list[int]:
    """Splits total over the weights: floors of the exact shares, then one unit each to the
    largest remainders (ties: the lower index)."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    shares = [total * w // weight_sum for w in weights]
    left = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
    for index in order[:left]:
        shares[index] += 1
    return shares
