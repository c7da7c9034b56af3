//! Applying money to open items.
//!
//! A payment, a credit note or an account's unapplied credit is applied to
//! open items: oldest due first by default, or to the items the user names.
//! What is not applied stays on the account as unapplied credit. An item is
//! never taken below zero: that is checked here, and again by the store's
//! guarded update, so two payments at once cannot over-apply it.

use jiff::civil::Date;

/// An open item's state as allocation sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenItem {
    pub item_id: i64,
    pub due_date: Date,
    pub issue_date: Date,
    /// What is still owed, in minor units; positive for a charge.
    pub balance_minor: i64,
}

/// Where the money should go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllocationTarget {
    /// Oldest due date first, then oldest issue date, then lowest id.
    OldestFirst,
    /// The named items, in the order given. With an amount, exactly that
    /// much goes to the item; without, as much as the item owes.
    Items(Vec<(i64, Option<i64>)>),
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AllocationPlan {
    /// (item id, amount in minor units), each amount positive.
    pub allocations: Vec<(i64, i64)>,
    pub unapplied_minor: i64,
}

impl AllocationPlan {
    pub fn applied_minor(&self) -> i64 {
        self.allocations.iter().map(|(_, a)| a).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    #[error("the amount to apply must be greater than zero")]
    NonPositiveAmount,
    #[error("item {item} is not an open item of this account")]
    UnknownItem { item: i64 },
    #[error("item {item} is named twice")]
    DuplicateItem { item: i64 },
    #[error("{amount_minor} minor units to item {item}: an allocation must be greater than zero")]
    NonPositiveAllocation { item: i64, amount_minor: i64 },
    #[error("applying to item {item} exceeds its balance by {excess_minor} minor units")]
    ExceedsBalance { item: i64, excess_minor: i64 },
    #[error("the allocations exceed the amount available by {excess_minor} minor units")]
    ExceedsAmount { excess_minor: i64 },
}

/// Decides how `amount_minor` is applied to `items`.
pub fn allocate(amount_minor: i64, items: &[OpenItem], target: &AllocationTarget) -> Result<AllocationPlan, AllocationError> {
    if amount_minor <= 0 {
        return Err(AllocationError::NonPositiveAmount);
    }
    let mut remaining = amount_minor;
    let mut plan = AllocationPlan::default();
    match target {
        AllocationTarget::OldestFirst => {
            let mut order: Vec<&OpenItem> = items.iter().filter(|i| i.balance_minor > 0).collect();
            order.sort_by_key(|i| (i.due_date, i.issue_date, i.item_id));
            for item in order {
                if remaining == 0 {
                    break;
                }
                let applied = remaining.min(item.balance_minor);
                plan.allocations.push((item.item_id, applied));
                remaining -= applied;
            }
        }
        AllocationTarget::Items(named) => {
            let mut seen = Vec::with_capacity(named.len());
            for (item_id, wanted) in named {
                if seen.contains(item_id) {
                    return Err(AllocationError::DuplicateItem { item: *item_id });
                }
                seen.push(*item_id);
                let item = items
                    .iter()
                    .find(|i| i.item_id == *item_id)
                    .ok_or(AllocationError::UnknownItem { item: *item_id })?;
                let applied = match wanted {
                    Some(amount) => {
                        if *amount <= 0 {
                            return Err(AllocationError::NonPositiveAllocation {
                                item: *item_id,
                                amount_minor: *amount,
                            });
                        }
                        if *amount > item.balance_minor {
                            return Err(AllocationError::ExceedsBalance {
                                item: *item_id,
                                excess_minor: amount - item.balance_minor.max(0),
                            });
                        }
                        if *amount > remaining {
                            let asked: i64 = named.iter().filter_map(|(_, a)| *a).sum();
                            return Err(AllocationError::ExceedsAmount {
                                excess_minor: asked - amount_minor,
                            });
                        }
                        *amount
                    }
                    None => remaining.min(item.balance_minor.max(0)),
                };
                if applied > 0 {
                    plan.allocations.push((*item_id, applied));
                    remaining -= applied;
                }
            }
        }
    }
    plan.unapplied_minor = remaining;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn item(id: i64, due_day: i8, balance: i64) -> OpenItem {
        OpenItem {
            item_id: id,
            due_date: date(2026, 1, due_day),
            issue_date: date(2026, 1, 1),
            balance_minor: balance,
        }
    }

    #[test]
    fn oldest_due_first_then_unapplied() {
        let items = [item(1, 20, 500), item(2, 10, 300), item(3, 15, 0)];
        let plan = allocate(1000, &items, &AllocationTarget::OldestFirst).unwrap();
        assert_eq!(plan.allocations, vec![(2, 300), (1, 500)]);
        assert_eq!(plan.unapplied_minor, 200);
    }

    #[test]
    fn named_items_with_and_without_amounts() {
        let items = [item(1, 20, 500), item(2, 10, 300)];
        let plan = allocate(600, &items, &AllocationTarget::Items(vec![(1, None), (2, Some(50))])).unwrap();
        assert_eq!(plan.allocations, vec![(1, 500), (2, 50)]);
        assert_eq!(plan.unapplied_minor, 50);
        assert_eq!(
            allocate(600, &items, &AllocationTarget::Items(vec![(2, Some(301))])),
            Err(AllocationError::ExceedsBalance { item: 2, excess_minor: 1 })
        );
        assert_eq!(
            allocate(100, &items, &AllocationTarget::Items(vec![(1, Some(200))])),
            Err(AllocationError::ExceedsAmount { excess_minor: 100 })
        );
        assert_eq!(
            allocate(100, &items, &AllocationTarget::Items(vec![(9, None)])),
            Err(AllocationError::UnknownItem { item: 9 })
        );
        assert_eq!(allocate(0, &items, &AllocationTarget::OldestFirst), Err(AllocationError::NonPositiveAmount));
    }

    proptest! {
        #[test]
        fn allocations_never_exceed_balances_or_amount(amount in 1i64..1_000_000, balances in proptest::collection::vec(-1000i64..100_000, 0..30)) {
            let items: Vec<OpenItem> = balances.iter().enumerate().map(|(i, b)| item(i as i64, (i % 28 + 1) as i8, *b)).collect();
            let plan = allocate(amount, &items, &AllocationTarget::OldestFirst).unwrap();
            prop_assert_eq!(plan.applied_minor() + plan.unapplied_minor, amount);
            prop_assert!(plan.unapplied_minor >= 0);
            for (id, applied) in &plan.allocations {
                let balance = items[*id as usize].balance_minor;
                prop_assert!(*applied > 0 && *applied <= balance);
            }
        }
    }
}
