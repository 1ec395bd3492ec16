namespace PaperBot.Core;

/// <summary>
/// An error whose message is short, specific and safe to show to a user as it is
/// (CLI output, an ephemeral Discord reply). Anything else is logged and replaced by a generic message.
/// </summary>
public class UserFacingException : Exception
{
    public UserFacingException() { }

    public UserFacingException(string message) : base(message) { }

    public UserFacingException(string message, Exception innerException) : base(message, innerException) { }
}
