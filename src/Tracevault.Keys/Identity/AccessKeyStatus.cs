namespace Tracevault.Keys.Identity;

/// <summary>Whether an access key may sign requests and console sign-ins, as IAM's <c>StatusType</c>.</summary>
public enum AccessKeyStatus
{
    /// <summary>The key signs requests.</summary>
    Active,

    /// <summary>The key is kept but refused everywhere, as an unknown key is.</summary>
    Inactive,
}
