/* SPDX-License-Identifier: GPL-2.0 */
/* fake_iommu's paging domains: an IOVA page number -> PFN table each. */
#ifndef FAKE_IOMMU_DOMAIN_H
#define FAKE_IOMMU_DOMAIN_H

#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

struct fi_client;

struct fi_domain {
	struct iommu_domain domain;
	struct list_head node;
	struct xarray table;
	/* Maps come from any context, softirq included. */
	spinlock_t lock;
	/* Clients the fake hardware translates with this domain. */
	atomic_t users;
	/* The client it was allocated for, whose counters it feeds. */
	struct fi_client *owner;
};

static inline struct fi_domain *to_fi_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct fi_domain, domain);
}

static inline bool fi_is_paging(struct iommu_domain *domain)
{
	return domain && (domain->type & __IOMMU_DOMAIN_PAGING);
}

/* Every paging domain allocated and not yet freed. */
bool fi_domains_leaked(void);

/* The domain ops' own parts; main.c puts them together with attach_dev. */
struct iommu_domain *fi_domain_alloc(struct device *dev,
				     const struct iommu_domain_ops *ops);
int fi_map_pages(struct iommu_domain *domain, unsigned long iova,
		 phys_addr_t paddr, size_t pgsize, size_t pgcount,
		 int prot, gfp_t gfp, size_t *mapped);
size_t fi_unmap_pages(struct iommu_domain *domain, unsigned long iova,
		      size_t pgsize, size_t pgcount,
		      struct iommu_iotlb_gather *gather);
phys_addr_t fi_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova);
void fi_domain_free(struct iommu_domain *domain);
/* Pages mapped in a paging domain's table; 0 for the static domains. */
unsigned long fi_domain_pages(struct iommu_domain *domain);

#endif /* FAKE_IOMMU_DOMAIN_H */
