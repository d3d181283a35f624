namespace Tracevault.Keys.Audit;

/// <summary>How many requests of one kind a key had in one month, for the console's cost view.</summary>
/// <param name="KeyArn">The key.</param>
/// <param name="Month">The month, <c>yyyy-MM</c> in UTC.</param>
/// <param name="Operation">The operation.</param>
/// <param name="Requests">How many requests.</param>
public sealed record KeyUsage(string KeyArn, string Month, string Operation, long Requests)
{
    /// <summary>AWS's price of a customer managed key for a month, in US dollars.</summary>
    public const decimal KeyMonthPrice = 1m;

    /// <summary>AWS's price of 10,000 requests, in US dollars.</summary>
    public const decimal PricePerTenThousandRequests = 0.03m;
}
