//! Words that agree with a count: "1 ticket", "3 tickets".

/// `one` for a count of one, `many` for any other (English counts zero as many).
pub fn noun<'a, N>(n: N, one: &'a str, many: &'a str) -> &'a str
where
    N: PartialEq + From<u8>,
{
    if n == N::from(1) { one } else { many }
}

/// The count and the noun that goes with it: "1 ticket", "0 tickets", "12 tickets".
pub fn count<N>(n: N, one: &str, many: &str) -> String
where
    N: Copy + std::fmt::Display + PartialEq + From<u8>,
{
    format!("{n} {}", noun(n, one, many))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_takes_the_singular_and_every_other_count_the_plural() {
        assert_eq!(count(1_usize, "ticket", "tickets"), "1 ticket");
        assert_eq!(count(0_i64, "ticket", "tickets"), "0 tickets");
        assert_eq!(count(2_u64, "time entry", "time entries"), "2 time entries");
        assert_eq!(count(-1_i64, "minute", "minutes"), "-1 minutes");
    }

    #[test]
    fn the_noun_alone_follows_the_same_rule() {
        assert_eq!(noun(1_i64, "question", "questions"), "question");
        assert_eq!(noun(11_i64, "question", "questions"), "questions");
    }
}
