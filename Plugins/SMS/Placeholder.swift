enum SMSPlaceholder {}
