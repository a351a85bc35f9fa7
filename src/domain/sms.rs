//! Text messages (SMS) sent through the outbox: statuses, purposes, and every Persian text
//! in one place.

use super::text_enum::text_enum;

text_enum! {
    /// Where an outbox row stands.
    #[derive(async_graphql::Enum)]
    pub enum SmsStatus {
        /// Waiting to be sent (or to be retried).
        Pending = "PENDING",
        /// Accepted by the provider.
        Sent = "SENT",
        /// Given up after the last attempt; `lastError` says why.
        Failed = "FAILED",
    }
}

text_enum! {
    /// Why a message is sent.
    #[derive(async_graphql::Enum)]
    #[graphql(name = "SmsPurpose")]
    pub enum SmsPurpose {
        /// To a distributor's management: an officer's termination took effect (C1).
        TerminationFinalized = "TERMINATION_FINALIZED",
        /// To an officer: a distributor proposes them (C3).
        CooperationProposed = "COOPERATION_PROPOSED",
        /// To a distributor: the officer accepted.
        CooperationAccepted = "COOPERATION_ACCEPTED",
        /// To a distributor: the officer declined.
        CooperationDeclined = "COOPERATION_DECLINED",
        /// To an officer: the reviewer reported deficiencies (R5).
        DeficienciesReported = "DEFICIENCIES_REPORTED",
        /// To an officer: the request was approved; the fee is due (R9).
        RequestApproved = "REQUEST_APPROVED",
        /// To an officer: qualified.
        Qualified = "QUALIFIED",
    }
}

/// ASCII digits to Persian ones (people read Persian digits in an SMS).
fn fa_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x06F0 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// An amount of Rials with thousands separators, in Persian digits.
fn rials(amount: i64) -> String {
    let digits = amount.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('٬');
        }
        grouped.push(c);
    }
    fa_digits(&grouped)
}

const SIGNATURE: &str = "اداره کل تجهیزات پزشکی";

/// The texts of every SMS the registry sends.
pub mod texts {
    use super::{SIGNATURE, fa_digits, rials};

    /// To the distributor's management: the officer ended the cooperation (C1).
    pub fn termination_finalized(
        officer: &str,
        national_code: &str,
        branch: &str,
        distributor: &str,
        on_jalali: &str,
    ) -> String {
        format!(
            "{distributor}: مسئول فنی {officer} (کد ملی {}) در تاریخ {} همکاری خود را با شعبه «{branch}» قطع کرد و از اطلاعات مسئول فنی آن حذف شد. {SIGNATURE}",
            fa_digits(national_code),
            fa_digits(on_jalali)
        )
    }

    /// To the officer: a distributor proposes them as a branch's technical officer.
    pub fn cooperation_proposed(distributor: &str, branch: &str) -> String {
        format!(
            "«{distributor}» شما را به عنوان مسئول فنی شعبه «{branch}» معرفی کرده است. برای پذیرش یا رد، به کارتابل خود در سامانه مراجعه کنید. {SIGNATURE}"
        )
    }

    /// To the distributor: the officer accepted its proposal.
    pub fn cooperation_accepted(officer: &str, branch: &str) -> String {
        format!(
            "مسئول فنی {officer} درخواست همکاری با شعبه «{branch}» را پذیرفت؛ درخواست برای بررسی به دانشگاه علوم پزشکی ارسال شد. {SIGNATURE}"
        )
    }

    /// To the distributor: the officer declined its proposal.
    pub fn cooperation_declined(officer: &str, branch: &str) -> String {
        format!("مسئول فنی {officer} درخواست همکاری با شعبه «{branch}» را نپذیرفت. {SIGNATURE}")
    }

    /// To the officer: deficiencies were reported on its request.
    pub fn deficiencies_reported() -> String {
        format!(
            "پرونده احراز صلاحیت شما نقص دارد. لطفاً موارد اعلام‌شده را در سامانه برطرف کنید و پرونده را دوباره ارسال کنید. {SIGNATURE}"
        )
    }

    /// To the officer: its request was approved; the fee is due.
    pub fn request_approved(fee_rials: i64) -> String {
        format!(
            "درخواست شما در دانشگاه تأیید شد. هزینه بررسی {} ریال است؛ برای پرداخت به بخش پیگیری درخواست در سامانه مراجعه کنید. {SIGNATURE}",
            rials(fee_rials)
        )
    }

    /// To the officer: qualified.
    pub fn qualified() -> String {
        format!("صلاحیت شما به عنوان مسئول فنی تجهیزات پزشکی احراز شد. {SIGNATURE}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_digits_are_persian() {
        assert_eq!(rials(5_000_000), "۵٬۰۰۰٬۰۰۰");
        assert_eq!(rials(250), "۲۵۰");
        assert!(texts::request_approved(2_500_000).contains("۲٬۵۰۰٬۰۰۰ ریال"));
        assert!(
            texts::termination_finalized("علی رضایی", "0076229645", "مرکزی", "شرکت", "1405/09/10")
                .contains("۰۰۷۶۲۲۹۶۴۵")
        );
    }
}
